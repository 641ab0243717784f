select a + b
