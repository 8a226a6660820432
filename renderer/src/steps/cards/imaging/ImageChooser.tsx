/**
 * Which Ubuntu to write: the entries of the catalogue in use (the practice lab's in practice mode,
 * a list or mirror the user gave, else the app's own), the plan's release preselected; or a local
 * file (its path typed, or Electron's file dialog), checked by main either way. Also the download
 * cache (what is kept, where, the cap) and clearing it. Mounted only when imaging is wanted, so
 * opening step 2 with Ubuntu cards loads no list.
 */
import { useEffect, useState } from 'react';
import type { CatalogueEntryView, LocalImageView } from '../../../../../preload/contract/imaging';
import { call } from '../../../api/client';
import { useT } from '../../../i18n/use-t';
import { useAppStore } from '../../../store/app-store';
import { useMainState } from '../../../toolkit/use-main-state';
import { FailureView, failureOf } from './imaging-failure';
import type { Failure } from './imaging-failure';
import { IMAGE_FORMATS, bytesText } from './imaging-model';

export interface ChosenImage {
  /** imaging.start's imageId; null until a local file has been checked. */
  imageId: string | null;
  local: boolean;
}

export function ImageChooser({ running, refresh, onChange }: { running: boolean; /** Changes after a job: reload the list's "downloaded" marks and the cache. */ refresh: number; onChange(image: ChosenImage): void }) {
  const { t, intl } = useT();
  const host = useAppStore((s) => s.state?.host);
  const practice = useAppStore((s) => s.practice?.enabled ?? false);
  const catalogueState = useMainState('imaging.catalogue', {});
  const cacheState = useMainState('imaging.cacheInfo', {});
  const catalogue = catalogueState.data;
  const cache = cacheState.data;

  const [choice, setChoice] = useState<string | null>(null); // an entry id, or 'local'
  const [local, setLocal] = useState<LocalImageView | null>(null);
  const [localPath, setLocalPath] = useState('');
  const [localError, setLocalError] = useState<Failure | null>(null);
  const [listUrl, setListUrl] = useState<string | null>(null);
  const [listError, setListError] = useState<Failure | null>(null);
  const [cacheNotice, setCacheNotice] = useState<string | Failure | null>(null);
  const [pending, setPending] = useState(false);

  const entries = catalogue?.entries ?? [];
  const entryId = choice && choice !== 'local' && entries.some((e) => e.id === choice) ? choice : (catalogue?.defaultId ?? entries[0]?.id ?? null);
  const selected = choice === 'local' ? 'local' : entryId;
  const imageId = selected === 'local' ? (local?.id ?? null) : selected;

  useEffect(() => onChange({ imageId, local: selected === 'local' }), [imageId, selected]); // eslint-disable-line react-hooks/exhaustive-deps -- tell the parent on change only
  useEffect(() => {
    if (refresh === 0) return;
    void catalogueState.reload();
    void cacheState.reload();
  }, [refresh]); // eslint-disable-line react-hooks/exhaustive-deps -- once per finished job

  const applyList = async (url: string | null) => {
    setListError(null);
    setPending(true);
    try {
      catalogueState.set(await call('imaging.setCatalogueUrl', { url }));
      setChoice(null);
      if (url === null) setListUrl(null);
    } catch (e) {
      setListError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const applyLocal = async (pick: boolean) => {
    setLocalError(null);
    setPending(true);
    try {
      const image = pick ? await call('imaging.pickLocalFile', {}) : await call('imaging.chooseLocalFile', { path: localPath.trim() });
      if (image) {
        setLocal(image);
        setLocalPath(image.path);
      }
    } catch (e) {
      setLocal(null);
      setLocalError(failureOf(e));
    } finally {
      setPending(false);
    }
  };

  const clearCache = async () => {
    setCacheNotice(null);
    try {
      cacheState.set(await call('imaging.clearCache', {}));
      setCacheNotice(t('imaging.cacheCleared'));
      void catalogueState.reload();
    } catch (e) {
      setCacheNotice(failureOf(e));
    }
  };

  const entryFacts = (e: CatalogueEntryView) =>
    [
      e.releaseDate ? t('imaging.released', { date: intl.formatDate(e.releaseDate, { dateStyle: 'medium', timeZone: 'UTC' }) }) : null,
      e.downloadSize !== undefined ? t('imaging.downloadSize', { size: bytesText(intl, e.downloadSize) }) : null,
      e.extractSize !== undefined ? t('imaging.imageSize', { size: bytesText(intl, e.extractSize) }) : null,
      e.cached ? t('imaging.cached') : null,
    ]
      .filter(Boolean)
      .join(' · ');

  return (
    <fieldset className="imaging-image" disabled={running}>
      <legend>{t('imaging.image')}</legend>
      {catalogue && <p className="hint">{catalogue.source === 'custom' ? t.rich('imaging.source.custom', { url: catalogue.url ?? '' }) : t(`imaging.source.${catalogue.source}`)}</p>}
      {!catalogue && !catalogueState.error && (
        <p className="hint" role="status">
          {t(practice ? 'imaging.loadingPractice' : 'imaging.loadingCatalogue')}
        </p>
      )}
      {catalogueState.error && <FailureView failure={failureOf(catalogueState.error)} />}
      <div role="radiogroup" aria-label={t('imaging.image')} className="imaging-entries">
        {entries.map((e) => (
          <label key={e.id} className="check imaging-entry">
            <input type="radio" name="imaging-image" value={e.id} checked={selected === e.id} onChange={() => setChoice(e.id)} />
            <span>
              <strong className="mono imaging-name">{e.name}</strong> {e.id === catalogue?.defaultId && <span className="badge">{t('imaging.forPlan')}</span>}
              <br />
              <span className="hint">{entryFacts(e)}</span>
            </span>
          </label>
        ))}
        <label className="check imaging-entry">
          <input type="radio" name="imaging-image" value="local" checked={selected === 'local'} onChange={() => setChoice('local')} />
          <strong>{t('imaging.local')}</strong>
        </label>
      </div>
      {selected === 'local' && (
        <div className="imaging-local">
          <label className="field">
            <span>{t('imaging.localPath', { formats: IMAGE_FORMATS })}</span>
            <input
              type="text"
              className="mono"
              value={localPath}
              spellCheck={false}
              onChange={(e) => setLocalPath(e.target.value)}
              onKeyDown={(e) => e.key === 'Enter' && localPath.trim() && void applyLocal(false)}
              aria-invalid={localError ? true : undefined}
            />
          </label>
          <button type="button" disabled={pending || !localPath.trim()} onClick={() => void applyLocal(false)}>
            {t('imaging.localUse')}
          </button>{' '}
          {host === 'electron' && (
            <button type="button" disabled={pending} onClick={() => void applyLocal(true)}>
              {t('imaging.localPick')}
            </button>
          )}
          {local && !localError && (
            <p className="hint" data-testid="imaging-local-file">
              {t.rich('imaging.localChosen', { name: local.name, size: bytesText(intl, local.fileBytes) })}
              {local.extractSize !== undefined && ` · ${t('imaging.localUnpacked', { size: bytesText(intl, local.extractSize) })}`}
            </p>
          )}
          {localError && <FailureView failure={localError} context={{ path: localPath.trim() }} />}
        </div>
      )}
      {(catalogue?.problems.length ?? 0) > 0 && (
        <div className="hint warn">
          {t('imaging.problems')}
          <ul>
            {catalogue!.problems.map((p) => (
              <li key={p.url}>
                <FailureView failure={{ code: p.code, message: p.reason }} context={{ url: p.url }} role="none" />
              </li>
            ))}
          </ul>
        </div>
      )}
      <details className="imaging-list" open={catalogue?.source === 'custom' || listError !== null || (catalogueState.error !== undefined && catalogue === undefined)}>
        <summary>{t('imaging.catalogueUrl')}</summary>
        {catalogue?.source === 'practice' && <p className="hint">{t('imaging.practiceCatalogue')}</p>}
        <label className="field">
          <span>{t('imaging.catalogueUrlLabel')}</span>
          <input
            type="url"
            className="mono"
            spellCheck={false}
            placeholder="https://…/os_list_imagingutility_v4.json"
            value={listUrl ?? (catalogue?.source === 'custom' ? (catalogue.url ?? '') : '')}
            onChange={(e) => setListUrl(e.target.value)}
            aria-invalid={listError ? true : undefined}
          />
        </label>
        <button type="button" disabled={pending || !(listUrl ?? '').trim()} onClick={() => void applyList((listUrl ?? '').trim())}>
          {t('imaging.catalogueUrlUse')}
        </button>{' '}
        {(catalogue?.source === 'custom' || catalogueState.error) && (
          <button type="button" disabled={pending} onClick={() => void applyList(null)}>
            {t('imaging.catalogueUrlReset')}
          </button>
        )}
        {listError && <FailureView failure={listError} context={{ url: (listUrl ?? '').trim() }} />}
      </details>
      {cache && (
        <div className="imaging-cache" data-testid="imaging-cache">
          <span className="hint">
            {cache.images.length > 0
              ? t.rich('imaging.cache', { size: bytesText(intl, cache.totalBytes - cache.partialBytes), dir: cache.dir, cap: bytesText(intl, cache.capBytes) })
              : t.rich('imaging.cacheEmpty', { dir: cache.dir, cap: bytesText(intl, cache.capBytes) })}
            {cache.partialBytes > 0 && ` ${t('imaging.cachePartial', { size: bytesText(intl, cache.partialBytes) })}`}
          </span>{' '}
          <button type="button" disabled={running || cache.totalBytes === 0} onClick={() => void clearCache()}>
            {t('imaging.clearCache')}
          </button>
          {typeof cacheNotice === 'string' && (
            <span className="ok" role="status">
              {' '}
              {cacheNotice}
            </span>
          )}
          {cacheNotice && typeof cacheNotice === 'object' && <FailureView failure={cacheNotice} />}
        </div>
      )}
    </fieldset>
  );
}
