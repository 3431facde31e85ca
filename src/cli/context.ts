import { existsSync } from 'node:fs';
import { configFromEnv, ensureScratchRoot, scratchDir, secureDataDir, type Config } from '../config/index.js';
import { isGoldsmithError } from '../errors/index.js';
import { sandboxGid } from '../sandbox/index.js';
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
    this.storePromise ??= (async () => {
      await this.securedHome();
      return openStore(this.config);
    })();
    return this.storePromise;
  }
  /** A data directory left open to other users by an older version is closed now, saying so once. */
  private async securedHome(): Promise<void> {
    const { fixed, foreign } = secureDataDir(this.config.home, sandboxGid());
    // Failed runs keep their working rootfs in scratch (possibly with a secret the scan rejected):
    // an older version's scratch root is closed too. A build refuses an unsafe one; here it is only reported.
    const scratch = scratchDir(this.config);
    if (existsSync(scratch)) {
      await ensureScratchRoot(scratch, sandboxGid()).catch((e: unknown) => {
        if (!isGoldsmithError(e)) throw e;
        process.stderr.write(`goldsmith: warning: ${e.message}\n`);
      });
    }
    if (fixed.length) {
      const shown = fixed.slice(0, 5).join(', ') + (fixed.length > 5 ? `, and ${fixed.length - 5} more` : '');
      process.stderr.write(`goldsmith: note: ${fixed.length} files and directories in ${this.config.home} were open to other users; made them private: ${shown}\n`);
    }
    for (const dir of foreign) {
      const what = dir === this.config.home ? `data directory ${dir}` : `${dir} in the data directory`;
      process.stderr.write(`goldsmith: warning: ${what} belongs to another user, who can change what is in it; its contents were not checked\n`);
    }
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
