-- Presence spans: the minute tick advances one counter per stream
-- (streams.minutes) instead of rewriting every present viewer's row. A
-- viewer's open span starts at minute watch_from of stream stream_seq (0:
-- none); its time is folded into watch_seconds and stream_watch_seconds
-- when the span closes, and by every read before that.
ALTER TABLE viewers ADD COLUMN watch_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE streams ADD COLUMN minutes INTEGER NOT NULL DEFAULT 0;
