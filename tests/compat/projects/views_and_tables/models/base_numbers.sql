select n, n * n as square from range(1, 6) as t(n)
