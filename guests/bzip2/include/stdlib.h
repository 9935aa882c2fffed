/* Freestanding stand-in for <stdlib.h>: libbz2 built with BZ_NO_STDIO only needs NULL and size_t. */
#ifndef VM_BZIP2_STDLIB_H
#define VM_BZIP2_STDLIB_H
#include <stddef.h>
#endif
