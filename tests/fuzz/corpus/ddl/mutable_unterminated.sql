CREATE MUTABLE STREAM m (k int32, v string
  index i1 (v)
  family f (v)) PRIMARY KEY (k