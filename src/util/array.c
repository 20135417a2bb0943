/*
 * util/array.c: growing a malloc'd array.
 */
#include <stdlib.h>

#include "util/array.h"

void *
array_grow(void *v, size_t n, size_t *cap, size_t size)
{
	void *nv;
	size_t ncap;

	if (n < *cap)
		return v;
	ncap = *cap ? *cap * 2 : 16;
	/* reallocarray() refuses a product that would overflow. */
	if ((nv = reallocarray(v, ncap, size)) == NULL)
		return NULL;
	*cap = ncap;
	return nv;
}

void
array_sort(void *v, size_t n, size_t size,
    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(v, n, size, cmp);
}
