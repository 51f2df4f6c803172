/*
 * Binding buffers into one device address space: why Heapwise binds a submission's buffers
 * all at once, in arrival order. Checked with spin by scripts/model-check.sh (and CI).
 *
 * The space has APERTURE granules; each of CLIENTS clients needs WORKING of them at once
 * for every submission, more than half the space, so two submissions never fit together.
 * A client binds its working set, executes (holding it), then unbinds it; forever.
 *
 *   (default)      batched: a submission binds everything it needs in one step or waits;
 *                  waiting submissions are served first come, first served (the queue).
 *   -DINCREMENTAL  one granule at a time, keeping what it has mapped while it waits for
 *                  the rest (what a driver mapping buffer by buffer does): both clients can
 *                  hold part of the space and wait for the other's part: a deadlock.
 *   -DNOQUEUE      batched but unordered: whoever finds room first binds, so one client can
 *                  win every time: no deadlock, but starvation (weak fairness is not enough).
 *
 * Properties: no deadlock (spin's invalid end states: every process always has an enabled
 * step somewhere), and `live`: each client executes infinitely often, under weak fairness.
 */

#ifndef APERTURE
#define APERTURE 8
#endif
#ifndef WORKING
#define WORKING 5
#endif
#define CLIENTS 2

byte free = APERTURE;
bool running[CLIENTS];
chan queue = [CLIENTS] of { byte };

proctype Client(byte id) {
    byte held = 0;
    do
    :: true ->
#ifdef INCREMENTAL
        do
        :: held < WORKING -> atomic { free > 0 -> free--; held++ }
        :: held == WORKING -> break
        od;
#else
#ifdef NOQUEUE
        atomic { free >= WORKING -> free = free - WORKING; held = WORKING };
#else
        queue!id;
        atomic { queue?[eval(id)] && free >= WORKING -> queue?eval(id); free = free - WORKING; held = WORKING };
#endif
#endif
        running[id] = true;
        /* executing the submission, then every mapping it held is free again */
        atomic { running[id] = false; free = free + held; held = 0 }
    od
}

init {
    assert(WORKING * 2 > APERTURE && WORKING <= APERTURE);
    atomic { run Client(0); run Client(1) }
}

/* The space is never over-committed. */
ltl safe { [] (free <= APERTURE) }
/* Every client's submissions keep completing. */
ltl live { ([] <> running[0]) && ([] <> running[1]) }
