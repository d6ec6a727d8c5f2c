"""`scaffold lint`: find private key material in a Salesforce DX project."""
