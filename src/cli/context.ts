import { configFromEnv, type Config } from '../config/index.js';
import { openStore, type Store } from '../store/index.js';

/** What a command needs from the outside world, opened lazily so read-only commands stay fast. */
export class CliContext {
  readonly config: Config;
  private storePromise?: Promise<Store>;
  constructor(config: Config = configFromEnv()) {
    this.config = config;
  }
  store(): Promise<Store> {
    this.storePromise ??= openStore(this.config);
    return this.storePromise;
  }
  async close(): Promise<void> {
    if (this.storePromise) await (await this.storePromise).close();
  }
}
