select x
