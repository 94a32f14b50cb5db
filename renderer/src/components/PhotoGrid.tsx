import { useCallback, useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent } from 'react';
import type { PhotoRow } from '../../../native/api/api.ts';
import type { ApiClient } from '../api-client.ts';
import { formatDate, formatSize } from '../format.ts';
import { useSelection, type Selection } from '../selection.ts';

const CELL = 132; // px, square cells incl. gap
const PAGE = 600; // rows fetched per call
const OVERSCAN_ROWS = 3;
/** Thumbnails are asked for once scrolling pauses this long: a fling through 50,000 photos asks for none. */
const SETTLE_MS = 90;

/**
 * A thumbnail grid that stays smooth with 50,000 photos: only the rows in view (plus a few) are
 * in the DOM, rows of the catalog are fetched a page at a time, and thumbnails (made by the
 * engine with sharp) are fetched for what is in view once scrolling settles. One tab stop; the
 * arrow keys, Page Up/Down, Home and End move through the photos, Space chooses the one in focus
 * for the export. What is chosen lives in `selection` (a Set of ids), never in the cells, so a
 * cell is the same cheap element whether 3 or 50,000 photos are chosen.
 */
export function PhotoGrid({ api, serial, total, selection }: { api: ApiClient; serial: string; total: number; selection: Selection }) {
  useSelection(selection);
  const scroller = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [height, setHeight] = useState(600);
  const [scrollTop, setScrollTop] = useState(0);
  const [active, setActive] = useState(0);
  const [, setVersion] = useState(0);
  const pages = useRef(new Map<number, PhotoRow[] | 'loading'>());
  const thumbs = useRef(new Map<number, string | null>());
  const bump = useCallback(() => setVersion((v) => v + 1), []);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => {
      setWidth(el.clientWidth);
      setHeight(el.clientHeight);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    pages.current.clear();
    thumbs.current.clear();
    bump();
  }, [serial, total, bump]);

  const columns = Math.max(1, Math.floor(width / CELL));
  const rowCount = Math.ceil(total / columns);
  const firstRow = Math.max(0, Math.floor(scrollTop / CELL) - OVERSCAN_ROWS);
  const lastRow = Math.min(rowCount - 1, Math.ceil((scrollTop + height) / CELL) + OVERSCAN_ROWS);
  const first = firstRow * columns;
  const last = Math.min(total - 1, (lastRow + 1) * columns - 1);

  const rowAt = (i: number): PhotoRow | undefined => {
    const page = pages.current.get(Math.floor(i / PAGE));
    return Array.isArray(page) ? page[i % PAGE] : undefined;
  };

  // Catalog rows for what is in view.
  useEffect(() => {
    if (total === 0) return;
    for (let p = Math.floor(first / PAGE); p <= Math.floor(last / PAGE); p++) {
      if (pages.current.has(p)) continue;
      pages.current.set(p, 'loading');
      api.call('photos', { serial, offset: p * PAGE, limit: PAGE }).then(
        (page) => {
          pages.current.set(p, page.rows);
          bump();
        },
        () => pages.current.delete(p),
      );
    }
  }, [api, serial, first, last, total, bump]);

  // Thumbnails for what is in view, once the scrolling settles.
  useEffect(() => {
    const timer = setTimeout(() => {
      const visibleFirst = Math.floor(scrollTop / CELL) * columns;
      const visibleLast = Math.min(total - 1, Math.ceil((scrollTop + height) / CELL) * columns);
      for (let i = visibleFirst; i <= visibleLast; i++) {
        const row = rowAt(i);
        if (!row || thumbs.current.has(row.id)) continue;
        thumbs.current.set(row.id, null);
        api.call('thumbnail', { serial, id: row.id }).then(
          (t) => {
            thumbs.current.set(row.id, t.dataUrl);
            bump();
          },
          () => undefined,
        );
      }
    }, SETTLE_MS);
    return () => clearTimeout(timer);
  });

  const onScroll = () => {
    const el = scroller.current;
    if (el) setScrollTop(el.scrollTop);
  };

  const moveTo = (index: number) => {
    const next = Math.max(0, Math.min(total - 1, index));
    setActive(next);
    const el = scroller.current;
    if (!el) return;
    const top = Math.floor(next / columns) * CELL;
    if (top < el.scrollTop) el.scrollTop = top;
    else if (top + CELL > el.scrollTop + el.clientHeight) el.scrollTop = top + CELL - el.clientHeight;
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const perPage = Math.max(1, Math.floor(height / CELL)) * columns;
    const moves: Record<string, number> = {
      ArrowRight: active + 1,
      ArrowLeft: active - 1,
      ArrowDown: active + columns,
      ArrowUp: active - columns,
      PageDown: active + perPage,
      PageUp: active - perPage,
      Home: 0,
      End: total - 1,
    };
    if (e.key === ' ') {
      e.preventDefault();
      const row = rowAt(active);
      if (row) selection.toggle('photos', row.id);
      return;
    }
    const to = moves[e.key];
    if (to === undefined) return;
    e.preventDefault();
    moveTo(to);
  };

  const cells = [];
  for (let i = first; i <= last; i++) {
    const row = rowAt(i);
    const thumb = row ? thumbs.current.get(row.id) : undefined;
    const name = row ? `${row.kind === 'video' ? 'Video' : 'Photo'} ${row.path.split('/').pop()}` : '';
    const label = row ? `${name}, ${row.captureMs ? formatDate(row.captureMs) : 'date unknown'}, ${formatSize(row.size)}` : 'Loading';
    const chosen = row ? selection.isChosen('photos', row.id) : false;
    cells.push(
      <div
        key={i}
        id={`photo-${i}`}
        role="gridcell"
        aria-selected={row ? chosen : undefined}
        aria-label={label}
        data-path={row?.path}
        className={`photo-cell${i === active ? ' active' : ''}${row && !chosen ? ' unchosen' : ''}`}
        style={{ transform: `translate(${(i % columns) * CELL}px, ${Math.floor(i / columns) * CELL}px)` }}
        onClick={() => setActive(i)}
      >
        {row ? (
          <input
            type="checkbox"
            className="photo-choose"
            tabIndex={-1}
            checked={chosen}
            onChange={() => selection.toggle('photos', row.id)}
            aria-label={`Include ${name} in the export`}
          />
        ) : null}
        {thumb ? <img src={thumb} alt="" draggable={false} /> : <span className="photo-placeholder">{row ? (row.kind === 'video' ? '▶' : row.mediaType.split('/')[1]?.toUpperCase()) : ''}</span>}
      </div>,
    );
  }

  const activeRow = rowAt(active);
  return (
    <div className="photo-grid-wrap">
      <div
        ref={scroller}
        className="photo-grid"
        role="grid"
        aria-label={`Photos and videos, ${total.toLocaleString('en')} in all. Arrow keys move; Space chooses the photo in focus for the export.`}
        aria-multiselectable="true"
        aria-rowcount={rowCount}
        aria-colcount={columns}
        aria-activedescendant={total ? `photo-${active}` : undefined}
        tabIndex={0}
        onScroll={onScroll}
        onKeyDown={onKeyDown}
        data-testid="photo-grid"
      >
        <div className="photo-grid-inner" style={{ height: rowCount * CELL }} role="row">
          {cells}
        </div>
      </div>
      <p className="photo-caption" aria-live="polite">
        {activeRow ? `${activeRow.path} · ${activeRow.captureMs ? formatDate(activeRow.captureMs, { dateStyle: 'medium', timeStyle: 'short' }) : 'date unknown'} · ${formatSize(activeRow.size)}` : ''}
      </p>
    </div>
  );
}
