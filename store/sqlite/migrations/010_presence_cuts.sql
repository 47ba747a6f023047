-- Presence cuts: a process that starts to run a channel whose stream is
-- live records, instead of closing every open presence span left in the
-- store, one cut at the stream's stored minutes, and the stream's minute
-- clock skips one minute. A span opened at or before minute + 1 (watch_from)
-- ends at the first such cut; a span opened after every cut of its stream
-- runs to streams.minutes.
CREATE TABLE presence_cuts (
    channel TEXT    NOT NULL,
    seq     INTEGER NOT NULL,
    minute  INTEGER NOT NULL,
    PRIMARY KEY (channel, seq, minute),
    FOREIGN KEY (channel, seq) REFERENCES streams (channel, seq) ON DELETE CASCADE
) STRICT;
