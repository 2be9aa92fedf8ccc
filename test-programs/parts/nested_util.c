/* The second compilation unit of the `nested` fixtures. */
int util_scale(int x) {
    int scaled = x * 10; // L:util-body
    return scaled;
}
