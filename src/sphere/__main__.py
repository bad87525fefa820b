from sphere.cli.app import main

main()
