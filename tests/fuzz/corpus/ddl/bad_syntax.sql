CREATE STRAEM s (a int32
  int32)