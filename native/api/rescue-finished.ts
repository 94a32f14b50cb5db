import type { ApiEvent, RescueState } from './api.ts';
import type { Engine } from './engine.ts';

/** The rescue's last state, when the engine reports it finished (for tests that drive the engine). */
export function rescueFinished(engine: Engine, rescueId: string): Promise<RescueState> {
  return new Promise((resolve) => {
    const stop = engine.onEvent((e: ApiEvent) => {
      if (e.type === 'rescue-finished' && e.rescue.rescueId === rescueId) {
        stop();
        resolve(e.rescue);
      }
    });
  });
}
