"""Placeholder until its helper writes it."""

from fastapi import APIRouter

router = APIRouter()
