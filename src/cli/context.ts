import { configFromEnv, type Config } from '../config/index.js';
import { createApp, type App } from '../app/index.js';
import { openStore, type Store } from '../store/index.js';

/** What a command needs from the outside world, opened lazily so read-only commands stay fast. */
export class CliContext {
  readonly config: Config;
  private storePromise?: Promise<Store>;
  private appPromise?: Promise<App>;
  constructor(config: Config = configFromEnv()) {
    this.config = config;
  }
  store(): Promise<Store> {
    this.storePromise ??= openStore(this.config);
    return this.storePromise;
  }
  /** All services over the store. */
  app(): Promise<App> {
    this.appPromise ??= this.store().then((s) => createApp(this.config, s));
    return this.appPromise;
  }
  async close(): Promise<void> {
    if (this.storePromise) await (await this.storePromise).close();
  }
}
