"""The service's connector endpoints: what a user asks an external system for, synchronously."""
