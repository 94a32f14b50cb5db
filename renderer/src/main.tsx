import { Component, StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import { connectApi } from './api-client.ts';
import { StoreGate, loadStoreStatus } from './store-mode/StoreGate.tsx';
import { asUserError } from './components/ErrorNotice.tsx';
import { Store } from './store.ts';
import './styles.css';

/** A fault in the window shows what to do, never a stack trace. */
class WindowFault extends Component<{ children: ReactNode }, { failed: boolean }> {
  override state = { failed: false };
  static getDerivedStateFromError() {
    return { failed: true };
  }
  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="notice notice-error fatal" role="alert">
        <p className="notice-what">The window ran into a problem.</p>
        <p className="notice-next">
          <strong>What to do: </strong>What was saved is safe, and a running rescue goes on. Reload the window.
        </p>
        <button type="button" onClick={() => location.reload()}>
          Reload
        </button>
      </div>
    );
  }
}

const root = createRoot(document.getElementById('root')!);
connectApi()
  .then((api) => Promise.all([Store.load(api), loadStoreStatus(api)]))
  .then(
    ([store, storeStatus]) => {
      root.render(
        <StrictMode>
          <WindowFault>
            <StoreGate store={store} initial={storeStatus} />
          </WindowFault>
        </StrictMode>,
      );
      document.body.dataset.ready = 'true';
    },
    (err: unknown) => {
      const e = asUserError(err);
      root.render(
        <div className="notice notice-error fatal" role="alert">
          <p className="notice-what">{e.message}</p>
          <p className="notice-next">
            <strong>What to do: </strong>
            {e.whatToDo}
          </p>
        </div>,
      );
    },
  );
