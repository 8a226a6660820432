/** "Skip to the step": the first thing keyboard and screen-reader users reach on every page. */
export function SkipLink({ label, target = 'content' }: { label: string; target?: string }) {
  return (
    <a
      className="skip-link"
      href={`#${target}`}
      onClick={(e) => {
        e.preventDefault();
        document.getElementById(target)?.focus();
      }}
    >
      {label}
    </a>
  );
}
