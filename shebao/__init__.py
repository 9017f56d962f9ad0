"""shebao: AI-assisted social insurance administration (人工智能+社保).

智导 guide · 智办 process · 智审 audit · 智控 control, on validated, protected registry data.
"""

__version__ = "0.1.0"
