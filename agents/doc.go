// Package agents holds the crew model (agents, tasks, runs, events) and the ports its members use: LLM, Searcher, Fetcher.
package agents
