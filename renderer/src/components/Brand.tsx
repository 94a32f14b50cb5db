/** The skip link every screen starts with, for keyboard and screen-reader users. */
export function SkipLink() {
  return (
    <a className="skip-link" href="#main">
      Skip to content
    </a>
  );
}

/** Lifeboat's mark and name at the left of the top bar. */
export function Brand() {
  return (
    <>
      <svg className="brand" viewBox="0 0 32 32" aria-hidden="true">
        <path d="M4 19h24l-4 8H8z" fill="#fff" />
        <path d="M15 4v14h2V4zM17 6l8 11h-8z" fill="#ffd08a" />
      </svg>
      <span className="brand-name">Lifeboat</span>
    </>
  );
}
