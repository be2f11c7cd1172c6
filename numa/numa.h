/*
 * numa: the public interface of the simulated ccNUMA machine (nodes, per-page
 * access counters, migration and replication). Nothing is built here yet;
 * the header fixes the folder's name and role for the issues that fill it.
 */
#ifndef MVISOR_NUMA_H
#define MVISOR_NUMA_H

/* A single-node machine is what every VM runs on until the NUMA issue. */
#define NUMA_DEFAULT_NODES 1

#endif
