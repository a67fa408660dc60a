#ifndef VERSION_H
#define VERSION_H
/* Raised with each issue that lands; shown by reports and `vmtune --version`. */
#define VMTUNE_VERSION "0.6.0"
#endif
