"""Reading a graded class as a whole: class analytics (`prodev report`) and similarity between
submissions (`prodev similarity`)."""
