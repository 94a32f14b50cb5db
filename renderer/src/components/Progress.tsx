/** A labelled progress bar that a screen reader announces as such. */
export function Progress({ label, value, max }: { label: string; value: number; max: number | null }) {
  const known = max !== null && max > 0;
  const percent = known ? Math.min(100, Math.round((value / max) * 100)) : null;
  return (
    <div
      className="progress"
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={known ? 100 : undefined}
      aria-valuenow={percent ?? undefined}
      aria-valuetext={percent === null ? 'working' : `${percent}%`}
    >
      <div className={percent === null ? 'progress-fill progress-unknown' : 'progress-fill'} style={percent === null ? undefined : { width: `${percent}%` }} />
    </div>
  );
}
