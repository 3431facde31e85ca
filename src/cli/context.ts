import { configFromEnv, type Config } from '../config/index.js';
import { createApp, type App } from '../app/index.js';
import { openStore, type Store } from '../store/index.js';

/** What a command needs from the outside world, opened lazily so read-only commands stay fast. */
export class CliContext {
  readonly config: Config;
  private storePromise?: Promise<Store>;
  private appPromise?: Promise<App>;
  private readonly ownsStore: boolean;
  /** `store`: an already open store to use (and leave open), for embedding and in-process tests. */
  constructor(config: Config = configFromEnv(), opts: { store?: Store } = {}) {
    this.config = config;
    this.ownsStore = !opts.store;
    if (opts.store) this.storePromise = Promise.resolve(opts.store);
  }
  store(): Promise<Store> {
    this.storePromise ??= openStore(this.config);
    return this.storePromise;
  }
  /** All services over the store. */
  app(): Promise<App> {
    // Compliance follows every change this command makes (a VM write, a new gallery version).
    this.appPromise ??= this.store().then((s) => {
      const app = createApp(this.config, s);
      app.triggers.start();
      return app;
    });
    return this.appPromise;
  }
  async close(): Promise<void> {
    if (this.appPromise) {
      const app = await this.appPromise.catch(() => undefined);
      if (app) {
        await app.triggers.idle();
        app.triggers.stop();
      }
    }
    if (this.storePromise && this.ownsStore) await (await this.storePromise).close();
  }
}
