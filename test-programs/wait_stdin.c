/* Prints "ready PID", then waits for one line on stdin and echoes it: a process to attach
 * to and detach from, which then finishes on its own. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(void) {
    char line[256];
    printf("ready %d\n", (int)getpid());
    fflush(stdout);
    if (!fgets(line, sizeof line, stdin))
        return 1;
    line[strcspn(line, "\n")] = 0;
    printf("got %s\n", line);
    return 0;
}
