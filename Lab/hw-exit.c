/* SPDX-License-Identifier: MIT */
/*
 * hw-exit CODE: ends the lab VM with an exit status the host can read.
 *
 * qemu's isa-debug-exit device (run.sh: -device isa-debug-exit,iobase=0xf4,
 * iosize=0x04) makes qemu exit with (CODE << 1) | 1 when the guest writes
 * CODE to I/O port 0xf4. So 0 -> qemu exits 1 (pass), 1 -> 3 (fail), while a
 * guest that powers off without writing leaves qemu's status at 0, which the
 * host treats as "never reported".
 *
 * ioperm() needs CONFIG_X86_IOPL_IOPERM in the guest kernel and root. Built
 * with `gcc -static` because the initramfs has no libc of its own.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>

#define DEBUG_EXIT_PORT 0xf4

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: hw-exit CODE   (0..127; qemu exits with CODE*2+1)\n");
        return 2;
    }
    char *end = NULL;
    errno = 0;
    long code = strtol(argv[1], &end, 0);
    /* qemu's own exit status keeps only 8 bits, so (CODE << 1) | 1 must fit. */
    if (errno != 0 || end == argv[1] || *end != '\0' || code < 0 || code > 127) {
        fprintf(stderr, "hw-exit: CODE must be 0..127, got '%s'\n", argv[1]);
        return 2;
    }
    if (ioperm(DEBUG_EXIT_PORT, 4, 1) != 0) {
        fprintf(stderr, "hw-exit: ioperm(0x%x): %s (needs root and CONFIG_X86_IOPL_IOPERM)\n",
                DEBUG_EXIT_PORT, strerror(errno));
        return 1;
    }
    outl((unsigned int)code, DEBUG_EXIT_PORT);
    /* Reaching this line means no isa-debug-exit device listened on the port. */
    fprintf(stderr, "hw-exit: qemu did not exit; is -device isa-debug-exit,iobase=0x%x present?\n",
            DEBUG_EXIT_PORT);
    return 1;
}
