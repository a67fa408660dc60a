#ifndef PATHS_H
#define PATHS_H
/* "<folder of the vmtune executable>/<leaf>", malloc'd: where vmbench, jobs/ and build/guest live. */
char *beside_executable(const char *leaf);
#endif
