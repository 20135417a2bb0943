/*
 * util/array.h: growing a malloc'd array one element at a time, doubling
 * its room so n appends cost O(n).
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

#endif
