#ifndef TARGET_LIBVIRT_H
#define TARGET_LIBVIRT_H
/* What the libvirt target offers besides its target_ops: undoing a crashed search. */

/*
 * Deletes a leftover data-disk volume of a remote host's pool (vmtune
 * restore); 0 if already gone, 1 when the host cannot be reached (try
 * again later), -1 on another failure.
 */
int target_libvirt_delete_volume(const char *uri, const char *name, char *err);
/*
 * Destroys a leftover domain of a crashed search or a lost host (vmtune
 * restore); 0 if already gone, 1 when its host cannot be reached.
 */
int target_libvirt_destroy(const char *uri, const char *name, char *err);

#endif
