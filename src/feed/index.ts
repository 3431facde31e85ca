export { ChangeFeed, FeedSubscription, type ChangeFeedOptions, type FeedEvent, type FeedFilter, type SubscribeOptions } from './change-feed.js';
export { eventFilter, parseLastEventId, sseBody, sseComment, sseFrame, sseRetry } from './sse.js';
