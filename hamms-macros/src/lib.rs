//! Attribute macros for hamms-test.
