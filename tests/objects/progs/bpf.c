// The seed tutorial's first program (section 2, step 1).
int func()
{
    return 0;
}
