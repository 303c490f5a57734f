"""The regional data catalog: datasets under China's sharing classes (无条件共享 / 有条件共享 /
不予共享), conditional access requests and grants, field-level enforced reads, and the
sharing-and-exchange level report."""
