import type { ArtifactStore } from '../artifacts/index.js';
import type { Store, Tx } from '../store/index.js';

/** What the service's use cases share: the ports and the injected clock. */
export interface ServiceContext {
  store: Store;
  artifacts: ArtifactStore;
  now(): Date;
}

/** Run in the caller's transaction when given (the pipeline commits its run state with the publish), else in a new one. */
export function inTx<T>(ctx: ServiceContext, tx: Tx | undefined, fn: (tx: Tx) => Promise<T>): Promise<T> {
  return tx ? fn(tx) : ctx.store.tx(fn);
}
