/*
 * util/array.h: growing a malloc'd array one element at a time, doubling
 * its room so n appends cost O(n), and sorting one that may be empty.
 */
#ifndef MAILCERT_UTIL_ARRAY_H
#define MAILCERT_UTIL_ARRAY_H

#include <stddef.h>

/*
 * v (holding n elements of size bytes in room for *cap) with room for one
 * more: v itself, or v moved, with *cap updated. NULL when out of memory;
 * v is then unchanged and still the caller's.
 */
void	*array_grow(void *v, size_t n, size_t *cap, size_t size);

/*
 * qsort(v, n, size, cmp), also for an empty array whose v is NULL (an
 * empty list is often never allocated, and qsort() requires a non-NULL
 * base whatever n is).
 */
void	 array_sort(void *v, size_t n, size_t size,
	    int (*cmp)(const void *, const void *));

#endif
