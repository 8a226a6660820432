/** One node's stage in an install + join (or add-node) job: the words, and the snap's progress while installing. */
import type { NodeProgress } from '../../../../preload/contract/cluster';
import { useT } from '../../i18n/use-t';

export function NodeStage({ node, progress }: { node: string; progress: NodeProgress }) {
  const { t } = useT();
  return (
    <>
      {t.rich(`stage.${progress.stage}`)}
      {progress.stage === 'installing' && (
        <>
          {' '}
          <progress max={1} value={progress.fraction ?? undefined} aria-label={`${node} ${t('stage.installing')}`} />
        </>
      )}
    </>
  );
}
