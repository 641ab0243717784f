select n from range(3) as t(n)
