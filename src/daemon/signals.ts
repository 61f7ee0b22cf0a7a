import type { Logger } from 'pino';

interface SignalTarget {
  reload(): Promise<void>;
  shutdown(signal: string): Promise<void>;
}

/** SIGHUP reloads; SIGTERM and SIGINT stop. Returns a function that removes the handlers. */
export function handleSignals(target: SignalTarget, log: Logger): () => void {
  const reload = () => {
    log.info({ signal: 'SIGHUP' }, 'reloading config');
    void target.reload();
  };
  const stop = (signal: NodeJS.Signals) => void target.shutdown(signal);
  process.on('SIGHUP', reload);
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return () => {
    process.off('SIGHUP', reload);
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
  };
}
