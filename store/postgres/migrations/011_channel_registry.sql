-- Channels at runtime: an operator adds and removes channels while Hearth
-- runs. A removed channel keeps its row and its data, with removed_at set
-- (NULL while it is served), and is not served again until it is added
-- back. settings holds the channel's own rule values, a JSON object
-- (hearth.ChannelSettings) of the keys that differ from the
-- configuration's; '{}' for none. It is TEXT, kept as written, like the
-- recaps' JSON.
ALTER TABLE channels ADD COLUMN removed_at TIMESTAMPTZ;
ALTER TABLE channels ADD COLUMN settings   TEXT NOT NULL DEFAULT '{}';
