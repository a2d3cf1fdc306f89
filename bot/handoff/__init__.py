"""Handing a villager to a human adviser: cases, relay both ways, queue, ratings."""
