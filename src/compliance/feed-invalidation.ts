import type { ChangeFeed } from '../feed/index.js';
import type { ComplianceService } from './compliance-service.js';
import { cachesToInvalidate } from './triggers.js';

/** Only events that make a cache stale pass (an import's thousands of VM writes do not). */
const relevant = (e: { type: string; subject: string }) => {
  const stale = cachesToInvalidate(e);
  return stale.policies || stale.scopes || stale.gallery;
};

/**
 * Keep this process's compliance caches (compiled assignments and definitions, exemptions, the
 * management group hierarchy, the gallery index) true to what *any* process committed: the feed
 * carries every process's changes, so admission here never judges against an assignment another
 * worker replaced. Own writes still invalidate at once (ComplianceService does it inline); this
 * covers the rest within the feed's latency. Should the subscription be dropped (it cannot keep
 * up, which would take a stalled event loop), everything is invalidated and it starts again.
 * Returns a function that stops following.
 */
export function invalidateOnFeed(svc: ComplianceService, feed: ChangeFeed): () => void {
  let stopped = false;
  let sub = feed.subscribe({ filter: relevant });
  void (async () => {
    while (!stopped) {
      for await (const e of sub) {
        const stale = cachesToInvalidate(e);
        if (stale.policies) svc.invalidatePolicies();
        if (stale.scopes) svc.invalidateScopes();
        if (stale.gallery) svc.invalidateGallery();
      }
      if (stopped || sub.closedReason === 'feed stopped') return;
      svc.invalidatePolicies();
      svc.invalidateScopes();
      svc.invalidateGallery();
      sub = feed.subscribe({ filter: relevant });
    }
  })();
  return () => {
    stopped = true;
    sub.close();
  };
}
