#ifndef SLOT_H
#define SLOT_H
/*
 * slot.c: a slot runs one trial in a thread of its own, every repeat of it
 * on its target instance; its host's slots are opened together and marked
 * down together. Calls state.c only.
 */
#include "search-int.h"

/* A slot's thread (pthread_create's): every repeat of its trial. */
void *slot_work(void *arg);
/* Opens every slot of host h; on failure none is left open. */
int search_open_host(struct search *s, struct hoststate *h, char *err);
/* Host h stopped answering: it is tried again after a pause (5 s, doubling to 5 min). */
void search_host_down(struct search *s, struct hoststate *h, const char *why);
/* Closes the targets of host h's slots that run nothing (its connection is gone). */
void search_close_idle(struct search *s, const struct hoststate *h);

#endif
