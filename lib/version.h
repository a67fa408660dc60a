#ifndef VERSION_H
#define VERSION_H
/* Raised with each issue that lands; shown by reports, `vmtune --version` and `vmtune version`. */
#define VMTUNE_VERSION "0.7.0"
#endif
