/// A process's id: the kernel's `pid_t`, a 32-bit signed number (`include/linux/types.h`).
public typealias ProcessID = Int32
