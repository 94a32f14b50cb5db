import { useEffect, useRef } from 'react';

/** The screen's title; it takes the focus when the screen opens, so a screen reader says where we are. */
export function ScreenHeading({ title }: { title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    ref.current?.focus();
  }, [title]);
  return (
    <h1 ref={ref} tabIndex={-1} id="screen-title">
      {title}
    </h1>
  );
}
