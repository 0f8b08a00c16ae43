package ingest

// SetBeforeOpen lets a test act between the walk and the open of each
// card file (path is the file's path as the walk found it): a symlink
// swapped in at that moment, deterministically instead of by racing.
func SetBeforeOpen(in *Ingester, fn func(path string)) { in.beforeOpen = fn }
