CREATE STREAM IF NOT EXISTS readings (
  device string, temp float64, ok bool,
  at DateTime64(3), -- event time
  note nullable(string)
) SETTINGS event_time_column = 'at', fsync = false, n = 50_000_000, f = -1.5, fmt = JSONEachRow;
