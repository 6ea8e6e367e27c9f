/*
 * Key files: one line of base64 (libsodium's original variant), used
 * for the dump sealing key pair.  A secret key file must not be
 * accessible by group or others; no key file may be writable by
 * others, or anyone could swap the key.
 */

#include <sys/types.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <sodium.h>

#include "keyfile.h"

#define KEYFILE_MAX	1024		/* longest key file, bytes */

static void	 keyfile_err(char *, size_t, const char *, ...)
		    __attribute__((__format__ (printf, 3, 4)));
static int	 keyfile_check(int, const char *, int, char *, size_t);

static void
keyfile_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list	 ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static int
keyfile_check(int fd, const char *path, int secret, char *err,
    size_t errlen)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1) {
		keyfile_err(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (!S_ISREG(st.st_mode)) {
		keyfile_err(err, errlen, "%s: not a regular file", path);
		return (-1);
	}
	if (secret && (st.st_mode & (S_IRWXG | S_IRWXO)) != 0) {
		keyfile_err(err, errlen, "%s: secret key file is accessible "
		    "by group or others (mode %04o)", path,
		    (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	if ((st.st_mode & S_IWOTH) != 0) {
		keyfile_err(err, errlen, "%s: key file is writable by others "
		    "(mode %04o)", path, (unsigned int)(st.st_mode & 07777));
		return (-1);
	}
	return (0);
}

/*
 * Read a key of exactly keylen bytes from path.  With secret set, the
 * file must not be accessible by group or others.  Returns 0, or -1
 * with err naming the file and the problem; key is wiped on failure.
 */
int
keyfile_read(const char *path, uint8_t *key, size_t keylen, int secret,
    char *err, size_t errlen)
{
	char		 buf[KEYFILE_MAX + 1];
	const char	*end;
	size_t		 n = 0, binlen;
	ssize_t		 r;
	int		 fd, ret = -1;

	keyfile_err(err, errlen, "%s", "");
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)) == -1) {
		keyfile_err(err, errlen, "%s: %s", path, strerror(errno));
		return (-1);
	}
	if (keyfile_check(fd, path, secret, err, errlen) == -1)
		goto done;
	while (n < sizeof(buf)) {
		r = read(fd, buf + n, sizeof(buf) - n);
		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			keyfile_err(err, errlen, "%s: %s", path,
			    strerror(errno));
			goto done;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n > KEYFILE_MAX) {
		keyfile_err(err, errlen, "%s: too long for a key file", path);
		goto done;
	}
	if (n > 0 && buf[n - 1] == '\n')
		n--;
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	if (sodium_base642bin(key, keylen, buf, n, NULL, &binlen, &end,
	    sodium_base64_VARIANT_ORIGINAL) != 0 || end != buf + n ||
	    binlen != keylen) {
		keyfile_err(err, errlen, "%s: not one line holding a base64 "
		    "key of %zu bytes", path, keylen);
		goto done;
	}
	ret = 0;
 done:
	sodium_memzero(buf, sizeof(buf));
	if (ret == -1)
		sodium_memzero(key, keylen);
	close(fd);
	return (ret);
}

/*
 * Write key as one base64 line to a new file at path with the given
 * mode (less the umask).  An existing file is never overwritten.
 * Returns 0, or -1 with errno set and no file left behind.
 */
int
keyfile_write(const char *path, const uint8_t *key, size_t keylen,
    mode_t mode)
{
	char		 buf[KEYFILE_MAX + 1];
	const char	*p;
	size_t		 n;
	ssize_t		 w;
	int		 fd, serrno, ret;

	if (sodium_base64_ENCODED_LEN(keylen,
	    sodium_base64_VARIANT_ORIGINAL) >= sizeof(buf)) {
		errno = EINVAL;
		return (-1);
	}
	sodium_bin2base64(buf, sizeof(buf), key, keylen,
	    sodium_base64_VARIANT_ORIGINAL);
	n = strlen(buf);
	buf[n++] = '\n';

	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    mode);
	if (fd == -1) {
		sodium_memzero(buf, sizeof(buf));
		return (-1);
	}
	for (p = buf; n > 0; p += w, n -= w) {
		w = write(fd, p, n);
		if (w == -1 && errno == EINTR)
			w = 0;
		else if (w == -1)
			break;
	}
	sodium_memzero(buf, sizeof(buf));
	ret = 0;
	if (n > 0 || fsync(fd) == -1)
		ret = -1;
	serrno = errno;
	if (close(fd) == -1 && ret == 0) {
		ret = -1;
		serrno = errno;
	}
	if (ret == -1) {
		unlink(path);
		errno = serrno;
	}
	return (ret);
}
