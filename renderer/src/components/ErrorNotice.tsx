import type { UserError } from '../../../native/api/api.ts';
import { CallError } from '../api-client.ts';

/** What happened and what to do next; never a stack trace. */
export function ErrorNotice({ error, onDismiss }: { error: UserError | null | undefined; onDismiss?: () => void }) {
  if (!error) return null;
  return (
    <div className="notice notice-error" role="alert" data-code={error.code}>
      <p className="notice-what">{error.message}</p>
      <p className="notice-next">
        <strong>What to do: </strong>
        {error.whatToDo}
      </p>
      {onDismiss ? (
        <button type="button" className="link-button" onClick={onDismiss}>
          Dismiss
        </button>
      ) : null}
    </div>
  );
}

/** Any thrown value as a UserError, for the notice. */
export function asUserError(err: unknown): UserError {
  if (err instanceof CallError) return err.userError;
  return {
    code: 'window',
    message: 'The window could not do that.',
    whatToDo: 'Try again; if it stays, reload the window (what was saved is safe).',
  };
}
